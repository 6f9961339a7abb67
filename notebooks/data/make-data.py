"""Writes the small real datasets the notebooks in notebooks/ read, from the copies scikit-learn ships
(`pip install scikit-learn`), so that the notebooks run offline and anyone can check where the files
came from. Run from this folder: python3 make-data.py

- wine.csv: the UCI Wine data (Forina et al.; 178 wines from three cultivars, 13 chemical
  measurements each), as sklearn.datasets.load_wine gives it, with the cultivar as text.
- digits/<digit>/<n>.png: the first 30 images of each digit from the UCI Optical Recognition of
  Handwritten Digits data (Alpaydin and Kaynak; 8x8 pixels, 17 grey levels), as
  sklearn.datasets.load_digits gives them, scaled from 0-16 to 0-255 and written as 8-bit grey PNGs
  with zlib alone.
"""
import csv
import os
import struct
import zlib

from sklearn.datasets import load_digits, load_wine

wine = load_wine()
with open("wine.csv", "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(list(wine.feature_names) + ["cultivar"])
    for row, target in zip(wine.data, wine.target):
        writer.writerow([f"{value:g}" for value in row] + [wine.target_names[target]])


def png(path, pixels):
    """An 8-bit greyscale PNG of `pixels` (rows of byte values)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", len(pixels[0]), len(pixels), 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


digits = load_digits()
written = {digit: 0 for digit in range(10)}
for image, target in zip(digits.images, digits.target):
    if written[target] == 30:
        continue
    folder = os.path.join("digits", str(target))
    os.makedirs(folder, exist_ok=True)
    png(os.path.join(folder, f"{written[target]:02}.png"), [[round(value * 255 / 16) for value in row] for row in image])
    written[target] += 1
