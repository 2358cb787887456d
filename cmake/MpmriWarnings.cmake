# Warnings on for our code; sanitizers as an option (used by .ci/run for the loader, synth and eval tests).
add_library(mpmri_warnings INTERFACE)
target_compile_options(mpmri_warnings INTERFACE -Wall -Wextra -Wpedantic -Wno-unused-parameter)

if(MPMRI_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "MPMRI_FUZZ needs clang (libFuzzer): configure with CXX=clang++")
  endif()
  # Coverage feedback for our code; the fuzz targets link libFuzzer's main themselves.
  add_compile_options(-fsanitize=fuzzer-no-link)
  set(MPMRI_SANITIZE ON)
endif()
if(MPMRI_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
