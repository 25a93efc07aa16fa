import time

@profile
def grow():
    a = bytearray(20 << 20)
    time.sleep(0.15)
    return len(a)

with profile.timestamp("two words"):
    b = bytearray(10 << 20)
    time.sleep(0.15)
with profile.timestamp("three word label"):
    grow()
time.sleep(0.1)
