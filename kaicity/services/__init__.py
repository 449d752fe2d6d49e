"""Rules of the model: needs, channel and mode choice, queues, transit, dispatch, learning.

Services hold rules and state machines on arrays; Mesa agents in :mod:`kaicity.agents`
call them when an event concerns them.
"""
