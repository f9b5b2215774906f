// SPDX-License-Identifier: MIT
// Argument helpers shared by the binding files (module.cc, optim_binding.cc): the error guard
// every exported function is wrapped in, how functions are exported, number arguments, and
// view decoding by slot.
#pragma once
#include <napi.h>

#include <initializer_list>
#include <new>
#include <stdexcept>

#include "../core/error.h"
#include "view_codec.h"

namespace kiln::binding {

using Fn = Napi::Value (*)(const Napi::CallbackInfo&);

// Turns kiln errors into JS errors with a code; anything else becomes KILN_INTERNAL.
template <Fn F>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const Error& e) {
    Napi::Error err = Napi::Error::New(info.Env(), e.what());
    err.Set("code", Napi::String::New(info.Env(), error_code_name(e.code())));
    throw err;
  } catch (const std::bad_alloc&) {
    Napi::Error err = Napi::Error::New(info.Env(), "kiln: out of memory");
    err.Set("code", Napi::String::New(info.Env(), "KILN_OUT_OF_MEMORY"));
    throw err;
  } catch (const std::exception& e) {
    Napi::Error err = Napi::Error::New(info.Env(), e.what());
    err.Set("code", Napi::String::New(info.Env(), "KILN_INTERNAL"));
    throw err;
  }
}

struct Export {
  const char* name;
  Fn fn;
};

// Adds each function to `exports`, created with the environment's Instance (set in Init) as
// its data, which view() reads.
inline void export_functions(Napi::Env env, Napi::Object exports,
                             std::initializer_list<Export> functions) {
  Instance* inst = env.GetInstanceData<Instance>();
  for (const Export& e : functions)
    exports.Set(e.name, Napi::Function::New(env, e.fn, e.name, inst));
}

// Reads `v` into `*out` when it is a JS number. napi_get_value_double fails (raising no JS
// exception) for any other value, so one N-API call both tests and reads.
inline bool number_value(const Napi::Value& v, double* out) {
  return napi_get_value_double(v.Env(), v, out) == napi_ok;
}

inline double num(const Napi::CallbackInfo& info, size_t i, const char* op) {
  double v;
  KILN_CHECK(number_value(info[i], &v), InvalidArgument, op, ": argument ", i,
             " must be a number");
  return v;
}
inline int integer(const Napi::CallbackInfo& info, size_t i, const char* op) {
  double v = num(info, i, op);
  KILN_CHECK(v == static_cast<int>(v), InvalidArgument, op, ": argument ", i,
             " must be an integer, got ", v);
  return static_cast<int>(v);
}
// The view in metadata slot `slot`, bound to the storage passed as argument `arg`.
inline TensorView view(const Napi::CallbackInfo& info, int slot, size_t arg, const char* op,
                       const char* what) {
  return decode_view(*static_cast<const Instance*>(info.Data()), slot, info[arg], op, what);
}

}  // namespace kiln::binding
