"""A GitHub Actions runner emulator: runs action.yml files and workflows as actions/runner does.

Modules, bottom-up: ``values``, ``expressions``, ``functions`` and ``templates``
(the ``${{ }}`` language); ``commands``, ``workflow_commands`` and ``masks`` (what a
step prints); ``files`` and ``file_commands`` (GITHUB_OUTPUT/ENV/PATH/STEP_SUMMARY);
``shells`` and ``processes`` (``shell:`` to a running process); ``manifest`` and
``actions`` (finding and reading actions, resolving their inputs); ``stubs`` (Python
stand-ins for the JavaScript actions used); ``contexts`` (the machine, ``github``,
``runner``, ``hashFiles``); ``job`` and ``results`` (steps, composite actions, the
environment of each process); ``workflow`` (jobs, needs, matrix, environments,
permissions, reusable workflows); ``log`` (a log rendered for people, used by the demo).

Known gaps versus the real runner:

- Every job runs on this machine with its OS: ``runs-on`` is recorded, not
  emulated; Windows-only shells run only where they are installed. Job
  ``container:``/``services:`` are not started; ``Job(container=True)`` models
  their one visible difference for an action (expressions name host paths).
- Jobs run one after another, share one machine (its ``_temp`` is not emptied
  between jobs) and processes a step leaves running are not killed at job end.
- Only composite actions and Python stand-ins for JavaScript actions run;
  Docker actions and ``pre``/``post`` steps do not. ``docker://`` is refused.
- Not modelled: concurrency, ``cancelled()`` (always false), problem matchers,
  ``ACTIONS_STEP_DEBUG`` beyond ``Job(debug=True)``, the 10 MB / 20-summary
  limits, job output masking, ``set-env``/``add-path`` when re-enabled, workflow
  ``inputs`` types, ``secrets`` in called workflows beyond inherit/mapping.
- ``hashFiles`` uses Python's glob, not the runner's minimatch patterns.
"""
