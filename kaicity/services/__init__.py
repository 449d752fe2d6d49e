"""Rules of the model: needs, channel and mode choice, queues, transit, dispatch, learning.

Services hold rules and state machines on arrays; the Mesa agents (the ``agents`` package)
call them when an event concerns them.  Services never import the agents, Mesa or the model.
"""
