"""Code location for Kubernetes: the ddss Definitions with every step in its own Job.

Load with `dagster code-server start -f deploy/k8s_definitions.py` inside the ddss image;
run config: deploy/run_config.k8s.yaml. Requires `dagster-k8s`.
"""

import dagster as dg
from dagster_k8s import k8s_job_executor

from pipelines.definitions import defs as ddss_defs

defs = dg.Definitions.merge(ddss_defs, dg.Definitions(executor=k8s_job_executor))
