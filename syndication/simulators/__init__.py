"""Simulators of the two partner platforms described in shared/partners/ICD.md.

The partners' production APIs cannot be reached from our machines, so the demo and the
tests talk to these stand-ins instead: real HTTP servers implementing the partner side
of the interface control document, with an inspection and fault-injection API under
``/_sim/`` so tests can see what the partner received and make it misbehave.

They only use the standard library and never import Django, so they run as separate
processes (``python -m syndication.simulators mba|pactepme --port N``) exactly like a
remote platform would, and a connector bug cannot be hidden by sharing the portal's
process or settings.
"""
