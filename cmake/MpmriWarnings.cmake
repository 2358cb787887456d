# Warnings on for our code; sanitizers as an option (used by .ci/run for the loader, synth and eval tests).
add_library(mpmri_warnings INTERFACE)
target_compile_options(mpmri_warnings INTERFACE -Wall -Wextra -Wpedantic -Wno-unused-parameter)

if(MPMRI_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
