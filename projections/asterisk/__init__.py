"""The Asterisk configuration as a projection: render (pure), write (files), apply (AMI)."""
