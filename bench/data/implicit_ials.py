"""The peer of Loom's iALS benchmark: the `implicit` library's ALS (conjugate gradient) on the same matrix, with
the same factors, regularisation, iterations, confidence and threads, scored by the same protocol (NDCG@10 over the
full catalogue, repeat purchases count). Prints JSON.

Usage: python3 implicit_ials.py <train.csv: user,item,value> <test.csv: user,item> <factors> <reg> <iters> <alpha> <threads>
Indices are 0-based and dense (the Loom side wrote them).
"""
import json
import sys
import time

import numpy as np
import scipy.sparse as sp
from implicit.als import AlternatingLeastSquares

train_path, test_path = sys.argv[1], sys.argv[2]
factors, reg, iters, alpha, threads = int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
train = np.loadtxt(train_path, delimiter=",", ndmin=2)
test = np.loadtxt(test_path, delimiter=",", ndmin=2, dtype=np.int64)
users, items = int(train[:, 0].max()) + 1, int(train[:, 1].max()) + 1
# implicit reads the stored value as the confidence c; Loom's c = 1 + alpha * value (Hu et al.): give it that.
confidence = 1.0 + alpha * train[:, 2]
matrix = sp.csr_matrix((confidence.astype(np.float32), (train[:, 0].astype(np.int64), train[:, 1].astype(np.int64))), shape=(users, items))

model = AlternatingLeastSquares(factors=factors, regularization=reg, alpha=1.0, iterations=iters, use_cg=True, calculate_training_loss=False, num_threads=threads, random_state=0)
start = time.perf_counter()
model.fit(matrix, show_progress=False)
seconds = time.perf_counter() - start

user_factors, item_factors = np.asarray(model.user_factors), np.asarray(model.item_factors)
relevant = {}
for u, i in test:
    relevant.setdefault(int(u), set()).add(int(i))
k, total = 10, 0.0
for u, rel in relevant.items():
    scores = item_factors @ user_factors[u]
    top = np.argsort(-scores, kind="stable")[:k]
    dcg = sum(1.0 / np.log2(r + 2) for r, i in enumerate(top) if int(i) in rel)
    idcg = sum(1.0 / np.log2(r + 2) for r in range(min(k, len(rel))))
    total += dcg / idcg
print(json.dumps({"seconds": seconds, "ndcg": total / len(relevant), "users": len(relevant)}))
