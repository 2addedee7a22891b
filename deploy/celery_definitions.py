"""Code location for Celery: the ddss Definitions with every step sent to a Celery worker.

Load with `dagster dev -f deploy/celery_definitions.py`; run config and worker config:
deploy/run_config.celery.yaml. Requires `dagster-celery`.
"""

import dagster as dg
from dagster_celery import celery_executor

from pipelines.definitions import defs as ddss_defs

defs = dg.Definitions.merge(ddss_defs, dg.Definitions(executor=celery_executor))
