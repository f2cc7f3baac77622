"""A call's conversation: what the caller hears (call_voice), who is calling (who_calls,
pin_line), the spoken answer and "0" (spoken_answers), and a helper's call handed into a
call that is up (handed_call).
"""
