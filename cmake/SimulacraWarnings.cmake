# Warnings for our own targets only; third-party headers come in as SYSTEM.
function(simulacra_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                         -Wnon-virtual-dtor -Wold-style-cast -Wconversion
                         -Wno-sign-conversion)
  if(SIMULACRA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
