"""Hand-cramp kiosk: an offline, voice-driven interview about hand cramps.

Folders: ``engine/`` is the medical brain (pure Python), ``speech/`` hears and speaks,
``ui/`` is the Textual screen, ``jsonl.py`` the screenless mode, ``cli.py`` the entry point.
"""

__version__ = "0.1.0"
