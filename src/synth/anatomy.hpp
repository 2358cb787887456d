#pragma once
// Bodies from real anatomy: TotalSegmentator label maps of real CT subjects turned into the same Phantom
// that build_phantom() makes from shapes, so every sequence, contrast and artefact model applies
// unchanged. What the maps lack (body wall, fat, kidney cortex, hepatic vessels, lesions) is derived;
// within-organ texture comes from real CT or T2-SPIR images. docs/synthetic-data.md lists the sources.
#include <array>
#include <string>
#include <vector>

#include "phantom.hpp"

namespace mpmri::synth {

// One label map resampled to an axis-aligned LPS grid, with what the per-study builder needs precomputed.
struct AnatomyGrid {
  int nx = 0, ny = 0, nz = 0;
  Vec3 origin;   // LPS mm of voxel (0,0,0)
  Vec3 spacing;  // mm
  std::vector<std::uint8_t> tissue;  // Tissue; Cavity where nothing is labelled
  size_t index(int i, int j, int k) const { return (size_t(k) * ny + j) * nx + i; }
  // Nearest voxel of LPS point p, or -1 outside in x/y. Beyond the ends in z the end slice repeats.
  long find(const Vec3& p) const;
};

// A body: where each tissue is, plus the signed in-plane distance to the hull of every labelled
// structure (mm, > 0 outside) for the body wall and fat, and the depth below each kidney's and the
// stomach's surface (mm) for cortex and wall.
struct AnatomyBody {
  std::string name;  // e.g. totalseg-subjects/s0004
  AnatomyGrid grid;
  std::vector<std::int16_t> hull_dist_dmm;  // tenths of a mm
  std::vector<std::uint8_t> depth_mm;       // kidneys and stomach only
  Vec3 anchor;                              // liver dome height, midline and body centre (LPS mm)
  Vec3 hull_half;                           // largest |x|, |y| of the hull from the anchor, dome to kidneys (mm)
  double dome_added_mm = 0;                 // synthesised liver dome above a map that cuts it
  bool has_gallbladder = false;             // (the urinary bladder shares its tissue, not its id)
  std::vector<std::string> structures;      // tissues present, for the tests and synth.json
  // Organs whose size a study changes: centre and equivalent-sphere radius in the source's frame.
  struct Organ {
    std::uint8_t tissue;
    int side;  // -1 right of the midline, +1 left, 0 either
    Vec3 centre;
    double radius = 0;
  };
  std::vector<Organ> organs;
};

// Textured organ classes (liver, spleen, kidney, pancreas) by side of the midline: centre and voxel count.
constexpr int kTextureClasses = 4;
struct ClassCentres {
  std::array<Vec3, 2 * kTextureClasses> centre{};
  std::array<long, 2 * kTextureClasses> count{};
};

// Real-image texture in sd units (x 40, int8) inside the masks of a few organs of one real image.
struct TextureBank {
  std::string name;
  AnatomyGrid grid;                  // tissue: Liver, Spleen, KidneyCortex, Pancreas or Cavity
  std::vector<std::int8_t> texture;  // (value - organ median) / organ robust sd
  ClassCentres centres;              // sides split halfway between the kidneys
};

struct AnatomyLibrary {
  std::vector<AnatomyBody> bodies;
  std::vector<TextureBank> banks;
};

// Loads every source below `shared_dir` (the project's ../shared) once per process and per directory;
// later calls return the cached library. Throws mpmri::Error when a source is missing.
const AnatomyLibrary& anatomy_library(const std::string& shared_dir);

// A study body: a random body of the library, elastically deformed, scaled, rotated and placed, with
// derived fat, kidney cortex, hepatic and portal veins, gallbladder, lesions and real texture.
Phantom build_anatomy_phantom(Rng& rng, double field_t, const AnatomyLibrary& lib);

}  // namespace mpmri::synth
