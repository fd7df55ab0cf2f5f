"""The peer of Loom's collect -> clean -> integrate benchmark: the same steps, written as a data scientist would
in pandas. Prints the row counts at each step as JSON, so the benchmark can check both did the same work.

Usage: python3 pandas_pipeline.py <folder of daily CSV files>
"""
import glob
import json
import os
import sys

import numpy as np
import pandas as pd

NON_PRODUCTS = {"POST", "DOT", "M", "C2", "D", "S", "BANK CHARGES", "AMAZONFEE", "CRUK"}
HALF_LIFE_DAYS = 30.0

folder = sys.argv[1]
files = sorted(glob.glob(os.path.join(folder, "*.csv")))

# collect
raw = pd.concat((pd.read_csv(f, dtype={"InvoiceNo": str, "StockCode": str, "Description": str, "CustomerID": float}) for f in files), ignore_index=True)
raw["InvoiceDate"] = pd.to_datetime(raw["InvoiceDate"])

# clean
df = raw[~raw["InvoiceNo"].str.startswith("C")]
df = df[df["Quantity"] > 0]
df = df[df["UnitPrice"] > 0]
df = df[df["CustomerID"].notna()]
code = df["StockCode"]
df = df[~(code.isin(NON_PRODUCTS) | code.str.startswith("gift_0001") | code.str.startswith("DCGS"))]
df = df.drop_duplicates()

# integrate: user-item interactions with a recency weight, and the product catalogue
as_of = df["InvoiceDate"].max()
age_days = (as_of - df["InvoiceDate"]).dt.total_seconds() / 86400.0
df = df.assign(weight=np.power(0.5, age_days / HALF_LIFE_DAYS))
interactions = df.groupby(["CustomerID", "StockCode"], sort=False).agg(
    lines=("Quantity", "size"), quantity=("Quantity", "sum"), weight=("weight", "sum"),
    first=("InvoiceDate", "min"), last=("InvoiceDate", "max"),
).reset_index()
counts = df.groupby(["StockCode", "Description"], sort=False).size().reset_index(name="n")
counts = counts.sort_values(["StockCode", "n", "Description"], ascending=[True, False, True])
top = counts.drop_duplicates("StockCode")[["StockCode", "Description"]]
price = df.groupby("StockCode")["UnitPrice"].median().rename("price").reset_index()
catalogue = top.merge(price, on="StockCode")

print(json.dumps({"collected": int(len(raw)), "cleaned": int(len(df)), "interactions": int(len(interactions)), "catalogue": int(len(catalogue))}))
