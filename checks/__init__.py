"""Asset checks: contract schemas, row conservation, metric sanity and personal-data scans."""
