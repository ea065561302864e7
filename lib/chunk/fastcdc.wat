;; FastCDC cut search (normalized chunking, level 2) in hand-written WebAssembly.
;; Assembled by scripts/build-wasm.mjs; loaded by lib/chunk/wasm.ts. Same cuts as lib/chunk/ts.ts.
;;
;; Memory layout (the host owns everything above TABLES_END):
;;   [0, 2048)     G0: gear table, 256 x u64, written by the host (lib/chunk/_gear.ts)
;;   [2048, 4096)  G1 = G0 << 1 \
;;   [4096, 6144)  G2 = G0 << 2  } filled by $init
;;   [6144, 8192)  G3 = G0 << 3 /
;;   above:        the host's input window (with 64 bytes of history before it)
;;
;; Hash: h = (h << 1) + G0[b] over u64; a cut after byte b when (h & mask) == 0.
;; Four bytes per step (FastCDC 2020's shifted-mask trick, widened): with H = h << 4,
;;   y1 = H + G3[a] = h1 << 3,  y2 = y1 + G2[b] = h2 << 2,
;;   y3 = y2 + G1[c] = h3 << 1, y4 = y3 + G0[d] = h4,
;; and (hk << j) & (mask << j) == 0  <=>  (hk & mask) == 0 because mask bits are <= 60.
;; So the four tests need no shifts of their own and h is shifted once per four bytes.
;; One (almost never taken) branch per byte: measured 2.9 GB/s, against 1.9 GB/s when the four
;; tests were OR-ed into one branch per step (the setcc/or chain cost more than the branches).
(module
  (memory (export "memory") 1)
  (global $h (mut i64) (i64.const 0))

  (func (export "init")
    (local $i i32) (local $g i64)
    (loop $fill
      (local.set $g (i64.load (local.get $i)))
      (i64.store offset=2048 (local.get $i) (i64.shl (local.get $g) (i64.const 1)))
      (i64.store offset=4096 (local.get $i) (i64.shl (local.get $g) (i64.const 2)))
      (i64.store offset=6144 (local.get $i) (i64.shl (local.get $g) (i64.const 3)))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 2048)))))

  ;; Scan bytes [p, lim) from hash h with mask m. Returns the address just after the cutting
  ;; byte, or 0 if none (then global $h holds the hash after byte lim-1).
  (func $run (param $p i32) (param $lim i32) (param $h i64) (param $m i64) (result i32)
    (local $m1 i64) (local $m2 i64) (local $m3 i64)
    (local $y1 i64) (local $y2 i64) (local $y3 i64)
    (local.set $m1 (i64.shl (local.get $m) (i64.const 1)))
    (local.set $m2 (i64.shl (local.get $m) (i64.const 2)))
    (local.set $m3 (i64.shl (local.get $m) (i64.const 3)))
    (block $tail
      (block $c4 (block $c3 (block $c2 (block $c1
        (loop $quad
          (br_if $tail (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $lim)))
          (local.set $y1 (i64.add (i64.shl (local.get $h) (i64.const 4))
            (i64.load offset=6144 (i32.shl (i32.load8_u (local.get $p)) (i32.const 3)))))
          (br_if $c1 (i64.eqz (i64.and (local.get $y1) (local.get $m3))))
          (local.set $y2 (i64.add (local.get $y1)
            (i64.load offset=4096 (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 3)))))
          (br_if $c2 (i64.eqz (i64.and (local.get $y2) (local.get $m2))))
          (local.set $y3 (i64.add (local.get $y2)
            (i64.load offset=2048 (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 3)))))
          (br_if $c3 (i64.eqz (i64.and (local.get $y3) (local.get $m1))))
          (local.set $h (i64.add (local.get $y3)
            (i64.load (i32.shl (i32.load8_u offset=3 (local.get $p)) (i32.const 3)))))
          (br_if $c4 (i64.eqz (i64.and (local.get $h) (local.get $m))))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br $quad)))
        (return (i32.add (local.get $p) (i32.const 1))))
        (return (i32.add (local.get $p) (i32.const 2))))
        (return (i32.add (local.get $p) (i32.const 3))))
      (return (i32.add (local.get $p) (i32.const 4))))
    ;; Fewer than four bytes left: one at a time.
    (block $done
      (loop $single
        (br_if $done (i32.ge_u (local.get $p) (local.get $lim)))
        (local.set $h (i64.add (i64.shl (local.get $h) (i64.const 1))
          (i64.load (i32.shl (i32.load8_u (local.get $p)) (i32.const 3)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $single (i64.ne (i64.and (local.get $h) (local.get $m)) (i64.const 0)))
        (return (local.get $p))))
    (global.set $h (local.get $h))
    (i32.const 0))

  ;; First cut in chunk indices [from, end); 0 if none. Chunk index i lives at address base + i
  ;; (i32 arithmetic wraps, so base may be "negative"). Indices [s, from) are rehashed first to
  ;; resume a search: s = max(min, from - 64). Returns the chunk length.
  (func (export "find")
    (param $base i32) (param $s i32) (param $from i32) (param $end i32) (param $avg i32)
    (param $sLo i32) (param $sHi i32) (param $lLo i32) (param $lHi i32) (result i32)
    (local $h i64) (local $p i32) (local $e i32) (local $r i32)
    (local.set $p (i32.add (local.get $base) (local.get $s)))
    (local.set $e (i32.add (local.get $base) (local.get $from)))
    (block $rehashed
      (loop $rehash
        (br_if $rehashed (i32.ge_u (local.get $p) (local.get $e)))
        (local.set $h (i64.add (i64.shl (local.get $h) (i64.const 1))
          (i64.load (i32.shl (i32.load8_u (local.get $p)) (i32.const 3)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $rehash)))
    ;; Normalized chunking: the harder mask (more bits) below avg, the easier one above.
    (if (i32.lt_u (local.get $from) (local.get $avg))
      (then
        (local.set $e (i32.add (local.get $base)
          (select (local.get $end) (local.get $avg) (i32.lt_u (local.get $end) (local.get $avg)))))
        (local.set $r (call $run (local.get $p) (local.get $e) (local.get $h)
          (i64.or (i64.shl (i64.extend_i32_u (local.get $sHi)) (i64.const 32)) (i64.extend_i32_u (local.get $sLo)))))
        (if (local.get $r) (then (return (i32.sub (local.get $r) (local.get $base)))))
        (local.set $h (global.get $h))
        (local.set $p (local.get $e))))
    (local.set $e (i32.add (local.get $base) (local.get $end)))
    (if (i32.lt_u (local.get $p) (local.get $e))
      (then
        (local.set $r (call $run (local.get $p) (local.get $e) (local.get $h)
          (i64.or (i64.shl (i64.extend_i32_u (local.get $lHi)) (i64.const 32)) (i64.extend_i32_u (local.get $lLo)))))
        (if (local.get $r) (then (return (i32.sub (local.get $r) (local.get $base)))))))
    (i32.const 0))
)
