"""What a call says: the bot's words as prompts (prompts), what each key means and how keys
are said (keypad), the likely choice first (said_first), a call's numbered choices (choices),
"0" for a person (to_a_person) and the busy notice (busy_notice).
"""
