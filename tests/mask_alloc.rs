//! Checks the "no allocation when nothing is masked" promise of
//! `Masker::mask_text` / `mask_message` with a counting global allocator
//! (per thread, so parallel tests do not interfere).

use std::alloc::{GlobalAlloc, Layout, System};
use std::borrow::Cow;
use std::cell::Cell;

use logship::mask::{MaskConfig, Masker};

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: delegates every call to the system allocator unchanged; only a
// const-initialised thread-local counter is touched in addition.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCS.with(Cell::get);
    f();
    ALLOCS.with(Cell::get) - before
}

#[test]
fn clean_messages_do_not_allocate() {
    let m = Masker::new(&MaskConfig::default()).expect("default config");
    let lines = [
        "2024-01-01T00:00:00.000Z\t3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c\tINFO\tProcessing order 42 for customer c-7",
        "REPORT RequestId: 3f0a8c1e-4b2d-4e7a-9c1d-2b3e4f5a6b7c\tDuration: 12.5 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB",
        "2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 10.0.2.9 443 49152 6 10 840 1600000000 1600000060 ACCEPT OK",
        "{\"level\":\"info\",\"tokens_used\":1532,\"password_changed_at\":\"2024-01-01\",\"user\":\"alice\",\"token_type\":\"Bearer\"}",
        &"x".repeat(10_000),
    ];
    // Warm up lazily initialised state (regex caches, thread locals).
    let mut n = 0;
    for l in &lines {
        let _ = m.mask_text(l, &mut n);
    }
    for l in &lines {
        let a = allocations(|| {
            let out = m.mask_text(l, &mut n);
            assert!(matches!(out, Cow::Borrowed(_)));
        });
        assert_eq!(a, 0, "mask_text allocated for {:?}", &l[..l.len().min(40)]);
    }
    let raw = lines[3];
    let mut v: serde_json::Value = serde_json::from_str(raw).expect("json");
    let a = allocations(|| {
        let out = m.mask_message(raw, Some(&mut v), &mut n);
        assert!(matches!(out, Cow::Borrowed(_)));
    });
    assert_eq!(a, 0, "mask_message allocated");
    let a = allocations(|| m.mask_json(&mut v, &mut n));
    assert_eq!(a, 0, "mask_json allocated on a clean tree");
    assert_eq!(n, 0);
}
