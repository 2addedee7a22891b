"""The resource every asset takes: which data folder a run works on, and the run's date."""

import datetime as dt

import dagster as dg

from ddss.config import DataPaths, load_id_secret


class DdssSettings(dg.ConfigurableResource):
    """`data_dir` defaults to `$DDSS_DATA_DIR`, then `./data`; `as_of` (ISO date) to today."""

    data_dir: str = ""
    as_of: str = ""
    search_batch_rows: int = 250_000
    """Members per đối soát search step (whole org × province units are packed up to it)."""

    @property
    def paths(self) -> DataPaths:
        return DataPaths.from_env(self.data_dir or None)

    def id_secret(self) -> bytes:
        return load_id_secret(self.paths)

    def as_of_date(self) -> dt.date:
        return dt.date.fromisoformat(self.as_of) if self.as_of else dt.date.today()
