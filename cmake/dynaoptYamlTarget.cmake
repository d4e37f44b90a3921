# yaml-cpp 0.7 exports the target `yaml-cpp`; 0.8 renames it `yaml-cpp::yaml-cpp`. The
# exported targets record the name found here.
if(TARGET yaml-cpp::yaml-cpp)
  set(DYNAOPT_YAML_TARGET yaml-cpp::yaml-cpp)
else()
  set(DYNAOPT_YAML_TARGET yaml-cpp)
endif()
