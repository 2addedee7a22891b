"""Resources: how frames pass between assets (parquet, not pickle), and the set per deployment."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg
import polars as pl

from ddss.config import DataPaths, private_dir

PARTITION_COLUMN = "org"


class ParquetFrameIOManager(dg.ConfigurableIOManager):
    """Stores each asset's polars frame as parquet under `clean/.stages/<asset>/`.

    Outputs of ops inside a graph asset (folder names, batch numbers: never frames) are small
    JSON values under `clean/.stages/_steps/<run>/`. An input annotated `pl.LazyFrame` is
    scanned, not read, so a step reads only the rows and columns it uses.
    Partitioned (per-org) outputs get one file per partition; a single-run backfill over several
    partitions is split by the `org` column (or the first folder of `source_file`). Files are
    written to a temporary name and renamed, so a killed run never leaves a half-written stage.
    """

    data_dir: str = ""

    def _stage_dir(self, context: dg.OutputContext | dg.InputContext) -> Path:
        root = private_dir(DataPaths.from_env(self.data_dir or None).stages)
        return root / "__".join(context.asset_key.path)

    @staticmethod
    def _write(frame: pl.DataFrame, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp-{os.getpid()}")
        frame.write_parquet(tmp)
        os.chmod(tmp, 0o600)  # stages hold personal data
        os.replace(tmp, path)

    def _step_value(self, context: dg.OutputContext) -> Path:
        root = private_dir(DataPaths.from_env(self.data_dir or None).stages / "_steps")
        run_id, *step_output = context.get_identifier()  # a mapped output's key is in it
        return root / run_id / f"{'.'.join(step_output)}.json"

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame | dict | None) -> None:
        if obj is None:
            return
        if not context.has_asset_key:
            path = self._step_value(context)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(obj))
            return
        stage = self._stage_dir(context)
        if isinstance(obj, dict):  # small JSON documents such as a trained model
            stage.mkdir(parents=True, exist_ok=True)
            tmp = stage / f"all.json.tmp-{os.getpid()}"
            tmp.write_text(json.dumps(obj, ensure_ascii=False, sort_keys=True))
            os.replace(tmp, stage / "all.json")
            return
        if not context.has_asset_partitions:
            self._write(obj, stage / "all.parquet")
            return
        keys = context.asset_partition_keys
        if len(keys) == 1:
            self._write(obj, stage / f"{keys[0]}.parquet")
            return
        org = (
            pl.col(PARTITION_COLUMN)
            if PARTITION_COLUMN in obj.columns
            else pl.col("source_file").str.split("/").list.first()  # <org> is raw/'s first folder
        )
        for key in keys:
            self._write(obj.filter(org == key), stage / f"{key}.parquet")

    def load_input(self, context: dg.InputContext) -> pl.DataFrame | pl.LazyFrame | dict | str | int:
        if not context.has_asset_key:
            return json.loads(self._step_value(context.upstream_output).read_text())
        stage = self._stage_dir(context)
        if (stage / "all.json").exists():
            return json.loads((stage / "all.json").read_text())
        if not context.has_asset_partitions:
            if context.dagster_type.typing_type is pl.LazyFrame:
                return pl.scan_parquet(stage / "all.parquet")
            return pl.read_parquet(stage / "all.parquet")
        files = [stage / f"{key}.parquet" for key in sorted(context.asset_partition_keys)]
        frames = [pl.read_parquet(f) for f in files if f.exists()]
        if not frames:
            raise FileNotFoundError(f"no stored partitions for asset {context.asset_key.to_user_string()}")
        return pl.concat(frames, how="diagonal_relaxed")


def default_resources(data_dir: str = "", as_of: str = "") -> dict[str, object]:
    """Resources for one data folder; tests pass a tmp folder, `dagster dev` the environment's."""
    from assets.settings import DdssSettings

    return {
        "settings": DdssSettings(data_dir=data_dir, as_of=as_of),
        "io_manager": ParquetFrameIOManager(data_dir=data_dir),
    }
