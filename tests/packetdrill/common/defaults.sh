#!/bin/sh
# Our scripts' defaults: Tern's own. Nothing is set on the host; a script
# that needs other options names them in a '// so_flags:' line, which
# tests/packetdrill/pd_run.py passes to the adapter as --so_flags.
exit 0
