"""`selfalign-report`: run directories in, one report folder out (build.py), with paired tests
(paired.py), plots with their CSVs (figures.py), an annotator check (annotator_check.py) and a
self-contained HTML page (html.py)."""
