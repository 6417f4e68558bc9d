"""Benchmarks and experiments, run from the repository's root as modules: `python -m bench.NAME --help`.

Speed: bench_speed (extraction against the DFDC 1st-place extractor, predict end to end), bench_extract,
bench_predict, bench_cluster, bench_gpu, decoders, distributed. Faults and bad input: faults, robustness.
Experiments on what the model learns: generalization (its `EXPERIMENTS` table), paired, heldout, reference, curves,
by_source, ensembles, augs, tta, aligned_crops, lessons, sensitivity, temperature_floor, portraits.
What they share (DFDC-shaped clips, a process tree's memory, bad inputs as real files) is in `bench.common`.
Their figures are in bench/results and BENCHMARKS.md."""
