"""`selfalign plan`: what a run will cost before it runs (phases.py: each method's phases from its
recipe; bill.py: the counters, bounds and measured rates; cli.py: the tables)."""
