"""What the dispatcher (handlers/dispatcher.py) leaves to others, so that it routes updates
and nothing else:

- ``private.py``: the route of a private chat's update (gates, commands, buttons, the step's
  input, the features that take free input, a hint);
- ``backchannel.py``: the route of a command or a press in the coordinators' group;
- ``kept_answers.py``: the answers kept with an update until they are sent (a process that
  dies in between sends them at its start);
- ``chats.py``: a chat its person closed, a send refused for good or never started, and the
  happenings transports report;
- ``ports.py``: the ports a city hands its transports (handlers/channels.py ``Ports``);
- ``first_text.py``: a newcomer's text before the privacy notice is agreed, which the
  onboarding answers (handlers/onboarding.py): told it was not passed on nor kept, quoted
  back to send again, and asked for on the first main menu.
"""
