"""What a call says, each module named for it: the bot's words as prompt files
(speech_files), what each key means and how keys are said (what_keys_mean), the likely
choice first (likely_choice_first), a caller's newest choices kept and no more
(newest_choices_only), "press 0 for a person" (press_0_for_a_person), the notice when all
lines are busy (all_lines_busy) and who picked up a call the bot made (who_picked_up).
"""
