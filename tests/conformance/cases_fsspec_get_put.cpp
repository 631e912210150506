// Conformance: fsspec's abstract get and put scenarios (fsspec/tests/abstract/get.py, put.py):
// get from every backend to local files, put from local files to every backend that can write.
// The scenarios are in fsspec_transfer.hpp, shared with copy.
#include "conformance/fsspec_transfer.hpp"

using namespace cofs;
using namespace cofs::testing;
using namespace cofs::testing::fsspec_scenarios;

FSSPEC_TRANSFER_CASE(Kind::get, file_to_existing_directory,
                     "fsspec get 1a: a file to an existing directory")
FSSPEC_TRANSFER_CASE(Kind::get, file_to_new_directory, "fsspec get 1b: a file to a new directory")
FSSPEC_TRANSFER_CASE(Kind::get, file_to_file_in_existing_directory,
                     "fsspec get 1c: a file to a file in an existing directory")
FSSPEC_TRANSFER_CASE(Kind::get, file_to_file_in_new_directory,
                     "fsspec get 1d: a file to a file in a new directory")
FSSPEC_TRANSFER_CASE(Kind::get, to_existing_directory,
                     "fsspec get 1e: a directory to an existing directory")
FSSPEC_TRANSFER_CASE(Kind::get, to_new_directory, "fsspec get 1f: a directory to a new directory")
FSSPEC_TRANSFER_CASE(Kind::get, glob_to_existing, "fsspec get 1g: a glob to an existing directory")
FSSPEC_TRANSFER_CASE(Kind::get, glob_to_new, "fsspec get 1h: a glob to a new directory")
FSSPEC_TRANSFER_CASE(Kind::get, edge_cases, "fsspec get: the glob edge cases")
FSSPEC_TRANSFER_CASE(Kind::get, list_of_files_to_existing_directory,
                     "fsspec get 2a: a list of files to an existing directory")
FSSPEC_TRANSFER_CASE(Kind::get, list_of_files_to_new_directory,
                     "fsspec get 2b: a list of files to a new directory")
FSSPEC_TRANSFER_CASE(Kind::get, directory_recursive,
                     "fsspec get: a directory, recursive, to a target made by the first copy")
FSSPEC_TRANSFER_CASE(Kind::get, directory_without_files_with_same_name_prefix,
                     "fsspec get: a directory beside a file with its name as prefix")

FSSPEC_TRANSFER_CASE(Kind::put, file_to_existing_directory,
                     "fsspec put 1a: a file to an existing directory", Cap::write)
FSSPEC_TRANSFER_CASE(Kind::put, file_to_new_directory, "fsspec put 1b: a file to a new directory",
                     Cap::write)
FSSPEC_TRANSFER_CASE(Kind::put, file_to_file_in_existing_directory,
                     "fsspec put 1c: a file to a file in an existing directory", Cap::write)
FSSPEC_TRANSFER_CASE(Kind::put, file_to_file_in_new_directory,
                     "fsspec put 1d: a file to a file in a new directory", Cap::write)
FSSPEC_TRANSFER_CASE(Kind::put, to_existing_directory,
                     "fsspec put 1e: a directory to an existing directory", Cap::write)
FSSPEC_TRANSFER_CASE(Kind::put, to_new_directory, "fsspec put 1f: a directory to a new directory",
                     Cap::write)
FSSPEC_TRANSFER_CASE(Kind::put, glob_to_existing, "fsspec put 1g: a glob to an existing directory",
                     Cap::write)
FSSPEC_TRANSFER_CASE(Kind::put, glob_to_new, "fsspec put 1h: a glob to a new directory", Cap::write)
FSSPEC_TRANSFER_CASE(Kind::put, edge_cases, "fsspec put: the glob edge cases", Cap::write)
FSSPEC_TRANSFER_CASE(Kind::put, list_of_files_to_existing_directory,
                     "fsspec put 2a: a list of files to an existing directory", Cap::write)
FSSPEC_TRANSFER_CASE(Kind::put, list_of_files_to_new_directory,
                     "fsspec put 2b: a list of files to a new directory", Cap::write)
FSSPEC_TRANSFER_CASE(Kind::put, directory_recursive,
                     "fsspec put: a directory, recursive, to a target made by the first copy",
                     Cap::write)
FSSPEC_TRANSFER_CASE(Kind::put, directory_without_files_with_same_name_prefix,
                     "fsspec put: a directory beside a file with its name as prefix", Cap::write)
