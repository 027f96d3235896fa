#!/usr/bin/env bash
# Learned generators on real tables that Debian ships in python3-sklearn:
# diabetes (442 x 11, the reference), iris (150 x 5), wine (178 x 14),
# breast_cancer (569 x 31). sklearn's files carry a summary line instead of a
# header, so this script writes proper CSVs first.
# Usage: bench/learned.sh [build-dir] [bench_learned options, e.g. --epochs 600]   (default: build)
set -euo pipefail
BIN="${1:-build}/bench/learned/bench_learned"
DATA=/usr/lib/python3/dist-packages/sklearn/datasets/data
[ -d "$DATA" ] || { echo "python3-sklearn is not installed (apt-get install python3-sklearn)" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
{ echo "age,sex,bmi,bp,s1,s2,s3,s4,s5,s6,target"
  paste -d' ' <(zcat "$DATA/diabetes_data_raw.csv.gz") <(zcat "$DATA/diabetes_target.csv.gz" | awk '{printf "%g\n", $1}') | tr -s ' ' ','; } > "$TMP/diabetes.csv"
{ echo "sepal_length,sepal_width,petal_length,petal_width,species"
  tail -n +2 "$DATA/iris.csv" | awk -F, -v OFS=, '{split("setosa versicolor virginica", n, " "); $5 = n[$5 + 1]; print}'; } > "$TMP/iris.csv"
{ echo "alcohol,malic_acid,ash,alcalinity,magnesium,phenols,flavanoids,nonflavanoid,proanthocyanins,color,hue,od280,proline,class"
  tail -n +2 "$DATA/wine_data.csv" | awk -F, -v OFS=, '{$14 = "class_" $14; print}'; } > "$TMP/wine.csv"
{ printf 'f%d,' $(seq 1 30); echo "diagnosis"
  tail -n +2 "$DATA/breast_cancer.csv" | awk -F, -v OFS=, '{$31 = ($31 == 0 ? "malignant" : "benign"); print}'; } > "$TMP/breast_cancer.csv"
echo "\$ bench_learned diabetes.csv iris.csv wine.csv breast_cancer.csv"
"$BIN" "${@:2}" "$TMP/diabetes.csv" "$TMP/iris.csv" "$TMP/wine.csv" "$TMP/breast_cancer.csv"
