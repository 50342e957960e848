"""Vocabulary and string distance for the string families.

The words are embedded rather than read from disk so the world is identical everywhere and needs
no files; they are 3-8 lowercase letters so a tiny tokenizer and model can still handle them.
"""

from __future__ import annotations

_TEXT = """
able acid aged also area army away baby back ball band bank base bath bear beat
bell belt best bird blue boat body bone book boot born both bowl bread brick
bridge bright brown build burn busy cake calm camera camp candle card care carpet
cart case castle cat chair chalk cheap cheese chest chief child circle city clay
clean clear clock cloud coast coat coffee cold color corn cotton count cover cream
crowd cup dance dark daughter day deep desk dinner dish doctor dog door dream
dress drink drive drop dust eagle early earth east easy edge egg engine evening
fabric face farm fast father field finger fire fish flag flat floor flower fog
food foot forest fork fresh friend frog fruit game garden gate gentle gift glass
glove goat gold grass green ground guitar hair hammer hand happy harbor heart
heavy hill honey horse hotel house hunger island jacket jelly jungle kettle key
kind king kitchen knife ladder lake lamp large leaf lemon letter light lion
little lock long lunch magic market metal milk minute mirror money month moon
morning mother mouse music nail narrow nest night noise north ocean office orange
paint paper parent party pencil pepper piano pillow planet plant plate pocket
pond potato powder quick quiet rabbit rain river road rock roof rope round
salt sand school season seed shadow sheep shell ship shirt shoe short silver
simple sister sleep slow small smile snake snow soap soft song soup south spoon
spring square stamp star stone storm street strong sugar summer sun sweet table
tail teacher tent thread ticket tiger timber toast today tooth tower town train
tree truck tulip turtle uncle valley velvet violin wagon walk wall warm water
wave west whale wheel white wind window winter wise wolf wood wool world yellow
young zebra zipper basket button dragon feather lantern marble meadow muffin
needle orchard pebble puzzle ribbon saddle tunnel wallet wizard yogurt
"""

WORDS: tuple[str, ...] = tuple(dict.fromkeys(_TEXT.split()))


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insert, delete, substitute; each costs 1)."""
    if a == b:
        return 0
    # A shared prefix or suffix never changes the distance; trimming it keeps grading cheap.
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end = 0
    while end < len(a) - start and end < len(b) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    a, b = a[start:len(a) - end], b[start:len(b) - end]
    if len(a) < len(b):
        a, b = b, a
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            best = diagonal if ca == cb else 1 + min(diagonal, row[j], row[j - 1])
            diagonal, row[j] = row[j], best
    return row[-1]


def similarity(a: str, b: str) -> float:
    """1 - normalised edit distance, in [0, 1]; two empty strings are identical."""
    longest = max(len(a), len(b))
    return 1.0 if longest == 0 else max(0.0, 1.0 - levenshtein(a, b) / longest)
