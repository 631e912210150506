# Findlibaio: the Linux kernel AIO library, which ships neither a CMake config nor a pkg-config
# file (Debian's libaio-dev). Defines the imported target libaio::libaio, and libaio_FOUND,
# libaio_INCLUDE_DIR, libaio_LIBRARY. Installed with cofs, whose config uses it.
find_path(libaio_INCLUDE_DIR NAMES libaio.h)
find_library(libaio_LIBRARY NAMES aio)
mark_as_advanced(libaio_INCLUDE_DIR libaio_LIBRARY)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(libaio REQUIRED_VARS libaio_LIBRARY libaio_INCLUDE_DIR)

if(libaio_FOUND AND NOT TARGET libaio::libaio)
  add_library(libaio::libaio UNKNOWN IMPORTED)
  set_target_properties(libaio::libaio PROPERTIES
    IMPORTED_LOCATION "${libaio_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${libaio_INCLUDE_DIR}")
endif()
