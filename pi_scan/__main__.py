"""`python -m pi_scan`."""

from pi_scan.cli import main

main(prog_name="pi-scan")
