# Run at every build (cmake -P): writes version.hpp with the current git commit,
# touching the file only when the text changes, so datasets never record a
# stale commit and unchanged builds stay incremental.
find_package(Git QUIET)
set(SIMULACRA_GIT_COMMIT "unknown")
if(GIT_FOUND)
  execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse HEAD
                  WORKING_DIRECTORY "${SOURCE_DIR}"
                  OUTPUT_VARIABLE _commit OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _rc ERROR_QUIET)
  if(_rc EQUAL 0)
    set(SIMULACRA_GIT_COMMIT "${_commit}")
    execute_process(COMMAND "${GIT_EXECUTABLE}" status --porcelain --untracked-files=no
                    WORKING_DIRECTORY "${SOURCE_DIR}"
                    OUTPUT_VARIABLE _dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(NOT _dirty STREQUAL "")
      set(SIMULACRA_GIT_COMMIT "${SIMULACRA_GIT_COMMIT}-dirty")
    endif()
  endif()
endif()
configure_file("${IN}" "${OUT}.new" @ONLY)
file(READ "${OUT}.new" _new)
set(_old "")
if(EXISTS "${OUT}")
  file(READ "${OUT}" _old)
endif()
if(NOT _new STREQUAL _old)
  file(RENAME "${OUT}.new" "${OUT}")
else()
  file(REMOVE "${OUT}.new")
endif()
