"""Forms a person is walked through a step at a time (the help request, the volunteer
profile, event and place editing): the one step-form helper (``step_form``), the
languages step several forms share (``language_choice``) and the answer to a number that
is none of a message's choices (``not_a_choice``)."""
