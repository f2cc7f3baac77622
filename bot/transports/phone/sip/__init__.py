"""The SIP wire: PJSIP's endpoint in a thread (stack), the line processes behind one
call-control interface (line_pool, line_process, frames), what is checked before PJSIP takes
a call (invite_filter, places, admission), registration, and what the lines tell
(line_notes).
"""
