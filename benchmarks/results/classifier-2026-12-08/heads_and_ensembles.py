import json, sys, numpy as np
sys.path.insert(0, 'benchmarks')
from classifier_comparison import test_sets, cached_probe_scores
from unscathed.models.loading import load_classifier
from unscathed.metrics import auc
from unscathed.calibrate import threshold_for_benign_rejection
dirs = {'shipped': 'src/unscathed/models/default_probe', 'r3': '/tmp/probe-r3', 'mlp128': '/work/labelwork/committee/mlp128', 'mlp32': '/work/labelwork/committee/mlp32', 'lr': '/work/labelwork/committee/lr'}
probes = {k: load_classifier(v) for k, v in dirs.items()}
sets = test_sets()
def logit(p): p = np.clip(p, 1e-9, 1-1e-9); return np.log(p/(1-p))
for sname, rows in sets.items():
    y = np.array([r['label'] for r in rows])
    sc = {k: cached_probe_scores(p, rows) for k, p in probes.items()}
    combos = {**{k: sc[k] for k in sc}, 'mean-logit all': np.mean([logit(sc[k]) for k in sc], 0), 'shipped+r3': np.mean([logit(sc['shipped']), logit(sc['r3'])], 0), 'max shipped,r3': np.maximum(logit(sc['shipped']), logit(sc['r3'])), 'rank-mean all': np.mean([np.argsort(np.argsort(sc[k])) for k in sc], 0)}
    for k, s in combos.items():
        if y.sum() and (y == 0).sum():
            print(sname[:28], k, 'auc %.3f' % auc(s, y), 'r@5 %.3f' % threshold_for_benign_rejection(s, y, 0.05).recall, 'r@10 %.3f' % threshold_for_benign_rejection(s, y, 0.10).recall)
