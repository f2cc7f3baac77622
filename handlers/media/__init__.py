"""A message in the form its reader's medium takes (the reader chain's medium links,
handlers/reader_chain.py): what is said aloud (spoken_words), the texted form (texted_form),
the texts a caller or texter gets instead of a chat's (medium_texts), the HTML subset as
plain text (plain_text), and the door codes' pictures named where a text is said or texted
(door_codes).
"""
