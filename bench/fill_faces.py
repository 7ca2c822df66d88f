#!/usr/bin/env python3
"""Fills the faces table of an ivs SQLite database with N random unit embeddings (hex f32 LE,
the stored format), to measure the face-index rebuild at start-up (docs/benchmarks.md).

    python3 bench/fill_faces.py ivs-data/ivs.db 1000000
"""
import sqlite3, sys, struct, random, math
db, n = sys.argv[1], int(sys.argv[2])
con = sqlite3.connect(db)
rng = random.Random(1)
def emb():
    v = [rng.gauss(0, 1) for _ in range(128)]
    s = math.sqrt(sum(x * x for x in v))
    return struct.pack('<128f', *[x / s for x in v]).hex()
base = [emb() for _ in range(1000)]   # 1000 distinct vectors, reused (the rebuild cost does not depend on values)
rows = ((f"p{i % 3}", f"scan{i:08d}", f"client{i}", "SELFIE", base[i % 1000], 1764000000 + i) for i in range(n))
con.executemany("INSERT INTO faces (partner_id, scan_ref, client_id, source, embedding, created_at) VALUES (?,?,?,?,?,?)", rows)
con.commit()
print(con.execute("SELECT count(*) FROM faces").fetchone()[0])
