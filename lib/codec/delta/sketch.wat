;; Resemblance sketch in hand-written WebAssembly. Assembled by scripts/build-wasm.mjs; loaded
;; by lib/delta/sketchWasm.ts. Same features as lib/delta/sketchTs.ts (the reference).
;;
;; Memory layout (the host owns everything from WINDOW_AT = 16384):
;;   [0, 2048)      G0: gear table, 256 x u64, written by the host (lib/delta/_tables.ts)
;;   [2048, 8192)   G1..G3 = G0 << 1..3, filled by $init
;;   [8192, 8224)   MULT: 8 x u32, written by the host
;;   [8224, 8256)   ADD:  8 x u32, written by the host
;;   [8256, 8288)   F: the 8 features so far (zeroed by $reset, read by the host)
;;
;; Hash: h = (h << 1) + G0[b] over u64; a sample where (h & M) == 0, M = bits 53..60.
;; Four bytes per step with pre-shifted tables, as lib/chunk/fastcdc.wat: y1 = h1 << 3,
;; y2 = h2 << 2, y3 = h3 << 1, y4 = h4, and (hk << j) & (M << j) == 0 <=> (hk & M) == 0 since
;; M's bits are <= 60. A step with a sample in it (1 in 64 steps) is redone byte by byte.
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

  (func (export "reset")
    (global.set $h (i64.const 0))
    (i64.store (i32.const 8256) (i64.const 0))
    (i64.store (i32.const 8264) (i64.const 0))
    (i64.store (i32.const 8272) (i64.const 0))
    (i64.store (i32.const 8280) (i64.const 0)))

  ;; Fold one sample's hash into the features.
  (func $feat (param $h i64)
    (local $x i32) (local $k i32) (local $v i32)
    (local.set $x (i32.xor (i32.wrap_i64 (local.get $h)) (i32.wrap_i64 (i64.shr_u (local.get $h) (i64.const 32)))))
    (loop $each
      (local.set $v (i32.add (i32.mul (local.get $x) (i32.load offset=8192 (local.get $k)))
        (i32.load offset=8224 (local.get $k))))
      (if (i32.gt_u (local.get $v) (i32.load offset=8256 (local.get $k)))
        (then (i32.store offset=8256 (local.get $k) (local.get $v))))
      (local.set $k (i32.add (local.get $k) (i32.const 4)))
      (br_if $each (i32.lt_u (local.get $k) (i32.const 32)))))

  ;; Scan bytes [p, end), continuing the hash in $h. The hot path is four loads, adds and
  ;; tests per step with only forward branches out; a step with a sample in it is redone byte
  ;; by byte from its start. Measured best of 15 on 256 KiB of JavaScript: 2.47 GB/s, against
  ;; 2.38 GB/s with an `if (call $feat)` after each test.
  (func (export "scan") (param $p i32) (param $end i32)
    (local $h i64) (local $y i64) (local $q i32)
    (local.set $h (global.get $h))
    (block $tail
      (loop $quad
        (br_if $tail (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $end)))
        (block $slow
          (local.set $y (i64.add (i64.shl (local.get $h) (i64.const 4))
            (i64.load offset=6144 (i32.shl (i32.load8_u (local.get $p)) (i32.const 3)))))
          (br_if $slow (i64.eqz (i64.and (local.get $y) (i64.const 0xff00000000000000))))
          (local.set $y (i64.add (local.get $y)
            (i64.load offset=4096 (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 3)))))
          (br_if $slow (i64.eqz (i64.and (local.get $y) (i64.const 0x7f80000000000000))))
          (local.set $y (i64.add (local.get $y)
            (i64.load offset=2048 (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 3)))))
          (br_if $slow (i64.eqz (i64.and (local.get $y) (i64.const 0x3fc0000000000000))))
          (local.set $y (i64.add (local.get $y)
            (i64.load (i32.shl (i32.load8_u offset=3 (local.get $p)) (i32.const 3)))))
          (br_if $slow (i64.eqz (i64.and (local.get $y) (i64.const 0x1fe0000000000000))))
          (local.set $h (local.get $y))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br $quad))
        ;; A sample in this step: the same four bytes, one at a time, from the step's start.
        (local.set $q (i32.add (local.get $p) (i32.const 4)))
        (loop $one
          (local.set $h (i64.add (i64.shl (local.get $h) (i64.const 1))
            (i64.load (i32.shl (i32.load8_u (local.get $p)) (i32.const 3)))))
          (if (i64.eqz (i64.and (local.get $h) (i64.const 0x1fe0000000000000)))
            (then (call $feat (local.get $h))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br_if $one (i32.lt_u (local.get $p) (local.get $q))))
        (br $quad)))
    ;; Fewer than four bytes left: one at a time.
    (block $done
      (loop $single
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $h (i64.add (i64.shl (local.get $h) (i64.const 1))
          (i64.load (i32.shl (i32.load8_u (local.get $p)) (i32.const 3)))))
        (if (i64.eqz (i64.and (local.get $h) (i64.const 0x1fe0000000000000)))
          (then (call $feat (local.get $h))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $single)))
    (global.set $h (local.get $h)))
)
