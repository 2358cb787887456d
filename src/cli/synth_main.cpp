// mpmri-synth: synthetic liver mpMRI studies as scanner-like DICOM.
#include "command.hpp"

int main(int argc, char** argv) {
  using namespace mpmri::cli;
  CLI::App app{"mpmri-synth: physics-based synthetic liver mpMRI studies written as DICOM"};
  app.name("mpmri-synth");
  CommandSlot slot;
  add_synth_options(app, slot);
  return run_main(app, slot, argc, argv);
}
