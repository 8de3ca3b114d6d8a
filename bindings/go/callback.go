package milvusimport

// The Go functions the C library calls back. This file holds only them: a cgo file with
// //export may declare, but not define, C functions in its preamble.

/*
#include <stdint.h>
*/
import "C"

import (
	"encoding/json"
	"runtime/cgo"
)

// goProgress runs after each describe, poll or uploaded chunk of a wait or upload: it hands
// the text to the caller's callback. A panic there stops the call (non-zero), and is
// raised again on the Go side once the C call has returned.
//
//export goProgress
func goProgress(text *C.char, state C.uintptr_t) C.int {
	st := cgo.Handle(state).Value().(*callState)
	if st.onProgress != nil && st.panicked == nil {
		func() {
			defer func() {
				if p := recover(); p != nil {
					st.panicked = p
				}
			}()
			st.onProgress(json.RawMessage(C.GoString(text)))
		}()
	}
	if st.panicked != nil {
		return 1
	}
	return 0
}

// goInterrupt is the client's interrupt check, asked at least once a second while a
// request is in flight and every 100 ms while a wait or retry pauses: non-zero (the call
// fails with KindCancelled) once the call's context has ended. It must not call into the
// library.
//
//export goInterrupt
func goInterrupt(state C.uintptr_t) C.int {
	st := cgo.Handle(state).Value().(*callState)
	if st.panicked != nil || st.ctx.Err() != nil {
		return 1
	}
	return 0
}
