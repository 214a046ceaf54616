"""pbxflow: multi-tenant virtual PBX on Asterisk, event-sourced."""

__version__ = "0.1.0"
