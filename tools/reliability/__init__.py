"""The reliability figures: what the intake promises, measured (``docs/reliability.md``).

The Organization Board relies on one promise of the intake: a unit file is either read
correctly or refused with a named finding — never a crash, never a silently different
number. ``python -m tools.reliability`` (from the repository root) measures it and writes
the table; the modules are

* :mod:`.mutations` and :mod:`.fuzzing` — valid filled forms mutated at workbook and zip
  level, each mutant read on every engine and judged (the hypothesis tests in
  ``tests/test_fuzz_forms.py`` use the same mutations);
* :mod:`.corpus` — the foreign corpus (``../shared/corpus/foreign`` beside the checkout)
  through the intake, counted as read or refused by reason;
* :mod:`.hostile_cases` and :mod:`.hostile_run` — hostile files built from a valid form and
  their owed outcome (``tests/test_hostile.py``);
* :mod:`.kill_drill` — the consolidation killed at each write step (``tests/test_kill.py``);
* :mod:`.report` — the table; ``__main__`` the click command.
"""
