"""argv, __name__, sys.path[0], exit status and tracebacks pass through."""
import os
import sys

print("name:", __name__)
print("argv:", sys.argv)
print("path0:", sys.path[0] == os.path.dirname(os.path.realpath(__file__)))
print("profile:", callable(profile), hasattr(profile, "timestamp"))
if len(sys.argv) > 1 and sys.argv[1] == "exit":
    sys.exit(int(sys.argv[2]))
if len(sys.argv) > 1 and sys.argv[1] == "raise":
    def fail():
        raise RuntimeError("failed on purpose")
    fail()
