// Conformance: fsspec's abstract copy scenarios (fsspec/tests/abstract/copy.py), on every
// backend that can write. The scenarios are in fsspec_transfer.hpp, shared with get and put.
#include "conformance/fsspec_transfer.hpp"

using namespace cofs;
using namespace cofs::testing;
using namespace cofs::testing::fsspec_scenarios;

FSSPEC_TRANSFER_CASE(Kind::copy, file_to_existing_directory,
                     "fsspec copy 1a: a file to an existing directory", Cap::write)
FSSPEC_TRANSFER_CASE(Kind::copy, file_to_new_directory, "fsspec copy 1b: a file to a new directory",
                     Cap::write)
FSSPEC_TRANSFER_CASE(Kind::copy, file_to_file_in_existing_directory,
                     "fsspec copy 1c: a file to a file in an existing directory", Cap::write)
FSSPEC_TRANSFER_CASE(Kind::copy, file_to_file_in_new_directory,
                     "fsspec copy 1d: a file to a file in a new directory", Cap::write)
FSSPEC_TRANSFER_CASE(Kind::copy, to_existing_directory,
                     "fsspec copy 1e: a directory to an existing directory", Cap::write)
FSSPEC_TRANSFER_CASE(Kind::copy, to_new_directory, "fsspec copy 1f: a directory to a new directory",
                     Cap::write)
FSSPEC_TRANSFER_CASE(Kind::copy, glob_to_existing,
                     "fsspec copy 1g: a glob to an existing directory", Cap::write)
FSSPEC_TRANSFER_CASE(Kind::copy, glob_to_new, "fsspec copy 1h: a glob to a new directory",
                     Cap::write)
FSSPEC_TRANSFER_CASE(Kind::copy, edge_cases, "fsspec copy: the glob edge cases", Cap::write)
FSSPEC_TRANSFER_CASE(Kind::copy, list_of_files_to_existing_directory,
                     "fsspec copy 2a: a list of files to an existing directory", Cap::write)
FSSPEC_TRANSFER_CASE(Kind::copy, list_of_files_to_new_directory,
                     "fsspec copy 2b: a list of files to a new directory", Cap::write)
FSSPEC_TRANSFER_CASE(Kind::copy, directory_recursive,
                     "fsspec copy: a directory, recursive, to a target made by the first copy",
                     Cap::write)
FSSPEC_TRANSFER_CASE(Kind::copy, directory_without_files_with_same_name_prefix,
                     "fsspec copy: a directory beside a file with its name as prefix", Cap::write)
