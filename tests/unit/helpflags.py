"""helpflags.py - the plugin's flags as its --help lists them, for the tests that hold the man page
(man_help_test.sh) and the README and docs/ (readme_test.sh) to them."""
import re
import subprocess


def help_flags(text):
    """Flags defined in a --help text: its lines that start with two spaces and a dash."""
    out = set()
    for line in text.splitlines():
        m = re.match(r"^  (?:(-[a-zA-Z]), )?(--[a-z][a-z0-9-]*)|^      (--[a-z][a-z0-9-]*)", line)
        if m:
            out.update(x for x in m.groups() if x)
    return out


def run(bin_, *args):
    """The plugin's stdout for these arguments (it must exit 0)."""
    return subprocess.run([bin_, *args], capture_output=True, text=True, check=True).stdout
