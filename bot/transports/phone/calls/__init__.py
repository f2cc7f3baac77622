"""The calls: one runner per call (call_runner), a call that came (answered_call), the
call-backs (outbox_calls, call_back_policy, dialling, call_budget), the calls that check who
asked (check_calls, check_call_store), a helper's bridged call (bridging), the caller's id
(caller_id), recordings (recording) and the in-call settings (call_settings).
"""
