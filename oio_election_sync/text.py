"""Foreign text made safe to print: the one helper every layer needs
(render builds sentences; this only escapes)."""

import re

# ASCII and C1 controls, and the Unicode format and separator characters
# that move or hide text (U+200B-U+200F, U+2028-U+202E, U+2060-U+206F,
# U+FEFF): none may reach a terminal from a reply.
CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]"
)


def _escape(match):
    code = ord(match.group())
    return "\\x%02x" % code if code < 0x100 else "\\u%04x" % code


def clean(text):
    """Foreign text (a proxy's message, a log line) on one line: control
    and format characters escaped, so that no reply can rewrite the
    terminal or hide part of a line."""
    text = str(text)
    if text.isprintable():  # no control, format or separator character
        return text
    return CONTROL.sub(_escape, text)
