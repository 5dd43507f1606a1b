"""End the process at once, before any result is written: os._exit(0)."""
import os

os._exit(0)
