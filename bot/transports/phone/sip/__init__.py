"""The SIP wire: the Kamailio edge in front of the lines (edge: who may send, which line
takes a call), PJSIP's endpoint in a thread (stack), the line processes behind one
call-control interface (line_pool, line_process, frames), who may call (admission),
registration, and what the lines tell (line_notes).
"""
