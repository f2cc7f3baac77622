"""The calls: the verbs a call runs, one runner per call (verbs), a call that came, turn by
turn (answered_call, turn), the call-backs (outbox_calls, when_to_call_again, dialling,
calls_per_number_day), the calls that check who asked (check_calls, check_call_store), a
helper's bridged call (bridging), the calls that are up by their person (live_calls), the
caller's number (callers_number), recordings (recording) and what an answered call does
beyond the menu (answering_settings).
"""
