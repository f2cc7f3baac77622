"""A call's conversation: what the caller hears (answers_said), who is calling (who_calls),
the spoken answer and "0" (spoken_answers), a helper's call handed into a call that is up
(handed_call), and the keys a step of the call takes alone (key_takers).
"""
